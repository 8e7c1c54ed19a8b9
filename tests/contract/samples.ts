/**
 * Request/response samples copied from the public documentation, each with the page it comes
 * from. Placeholders are kept as the pages write them (`<ORGANIZATION>`, `<PKEY>`,
 * `[Organization URI]`); the tests substitute a real base URL. Adobe's "..." elisions are left
 * out (they mark fields the sample omits).
 */

export interface Sample {
  page: string
  request: { method: string; path: string; headers?: Record<string, string>; body?: unknown }
  response: { status: number; headers?: Record<string, string>; body: unknown }
}

/** Adobe Campaign Standard API docs (Experience League). */
export const campaign = {
  pagination: {
    page: 'https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/global-concepts/additional-operations/pagination.html',
    request: { method: 'GET', path: 'profileAndServices/profile?_lineCount=1' },
    response: {
      status: 200,
      body: {
        content: [{ PKey: '<PKEY>', firstName: 'John', lastName: 'Doe', birthDate: '1980-10-24' }],
        next: {
          href: 'https://mc.adobe.io/<ORGANIZATION>/campaign/profileAndServices/profile/email?_lineCount=10&_lineStart=@Qy2MRJCS67PFf8soTf4BzF7BXsq1Gbkp_e5lLj1TbE7HJKqc'
        }
      }
    }
  },
  updateProfile: {
    page: 'https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/managing-profiles/updating-profiles.html',
    request: { method: 'PATCH', path: 'profileAndServices/profile/<PKEY>', body: { phone: '3301020304' } },
    response: {
      status: 200,
      body: {
        PKey: '<PKEY>',
        href: 'https://mc.adobe.io/<ORGANIZATION>/campaign/profileAndServices/profile/@2v1dr3ZKJveMDhAdh0MPnh9hNQQ93qb7AW6BNVVKknjwXvTZRBAgUqz1SNcB4ZndgjqOofx3BwBZYBftlmObISoM3rs'
      }
    }
  },
  invalidToken: {
    page: 'https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/troubleshooting.html',
    request: { method: 'GET', path: 'profileAndServices/profile' },
    response: { status: 401, body: { error_code: '401013', message: 'Oauth token is not valid' } }
  }
} satisfies Record<string, Sample>

/** Microsoft Learn, Dataverse Web API. */
export const dataverse = {
  pageResults: {
    page: 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results',
    request: {
      method: 'GET',
      path: 'contacts?$select=fullname',
      headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0', Prefer: 'odata.maxpagesize=2' }
    },
    response: {
      status: 200,
      headers: { 'OData-Version': '4.0', 'Preference-Applied': 'odata.maxpagesize=2' },
      body: {
        '@odata.context': '[Organization URI]/api/data/v9.2/$metadata#contacts(fullname)',
        value: [
          { '@odata.etag': 'W/"72201545"', fullname: 'Yvonne McKay (sample)', contactid: '49b0be2e-d01c-ed11-b83e-000d3a572421' },
          { '@odata.etag': 'W/"80648695"', fullname: 'Susanna Stubberod (sample)', contactid: '70bf4d48-34cb-ed11-b596-0022481d68cd' }
        ],
        '@odata.nextLink':
          '[Organization URI]/api/data/v9.2/contacts?$select=fullname&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253ccontactid%2520last%253d%2522%257bD5026A4D-D01C-ED11-B83E-000D3A572421%257d%2522%2520first%253d%2522%257b49B0BE2E-D01C-ED11-B83E-000D3A572421%257d%2522%2520%252f%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E'
      }
    }
  }
} satisfies Record<string, Sample>
