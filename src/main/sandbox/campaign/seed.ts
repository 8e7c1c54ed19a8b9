import { chance, intBetween, pick, rowRandom, seededGuid, type Random } from '../common/random'
import { formatDate, formatTimestamp } from './dates'
import type { CampaignSettings } from './options'
import type { CampaignStore } from './store'

/**
 * Seeded demo data. A profile is a pure function of (seed, index), so a bug report can name
 * "profile 17 of seed 42". The variety is the one real instances have: accents, non-Latin
 * scripts, missing / malformed / duplicate emails, values at the column limits, opt-outs.
 */

interface Person {
  first: string
  last: string
  /** Latin local-part for emails of non-Latin names. */
  latin?: string
  country: string
  city: string
  timeZone: string
}

const people: Person[] = [
  { first: 'John', last: 'Doe', country: 'US', city: 'Chicago', timeZone: 'America_Chicago' },
  { first: 'Amy', last: 'Dakota', country: 'US', city: 'Denver', timeZone: 'America_Denver' },
  { first: 'José', last: 'Martínez', country: 'ES', city: 'Sevilla', timeZone: 'Europe_Madrid' },
  { first: 'Zoë', last: 'Brontë', country: 'GB', city: 'Haworth', timeZone: 'Europe_London' },
  { first: 'François', last: 'Lefèvre', country: 'FR', city: 'Besançon', timeZone: 'Europe_Paris' },
  { first: 'Jürgen', last: 'Müller', country: 'DE', city: 'München', timeZone: 'Europe_Berlin' },
  { first: 'Åsa', last: 'Ødegaard', country: 'NO', city: 'Tromsø', timeZone: 'Europe_Oslo' },
  { first: 'Łukasz', last: 'Wąsowski', country: 'PL', city: 'Łódź', timeZone: 'Europe_Warsaw' },
  { first: 'Siobhán', last: "O'Connor", country: 'IE', city: 'Dún Laoghaire', timeZone: 'Europe_Dublin' },
  { first: 'Çağla', last: 'Yılmaz', country: 'TR', city: 'İzmir', timeZone: 'Europe_Istanbul' },
  { first: 'Nguyễn', last: 'Thị Minh', country: 'VN', city: 'Hà Nội', timeZone: 'Asia_Ho_Chi_Minh' },
  { first: '伟', last: '王', latin: 'wang.wei', country: 'CN', city: '上海', timeZone: 'Asia_Shanghai' },
  { first: '太郎', last: '山田', latin: 'taro.yamada', country: 'JP', city: '東京', timeZone: 'Asia_Tokyo' },
  { first: '민준', last: '김', latin: 'minjun.kim', country: 'KR', city: '서울', timeZone: 'Asia_Seoul' },
  { first: 'Иван', last: 'Петров', latin: 'ivan.petrov', country: 'RU', city: 'Москва', timeZone: 'Europe_Moscow' },
  { first: 'Δημήτρης', last: 'Παπαδόπουλος', latin: 'dimitris.papadopoulos', country: 'GR', city: 'Αθήνα', timeZone: 'Europe_Athens' },
  { first: 'محمد', last: 'العلي', latin: 'mohammed.alali', country: 'AE', city: 'دبي', timeZone: 'Asia_Dubai' },
  { first: 'אורי', last: 'כהן', latin: 'uri.cohen', country: 'IL', city: 'תל אביב', timeZone: 'Asia_Jerusalem' },
  { first: 'Priya', last: 'Raghunathan', country: 'IN', city: 'Chennai', timeZone: 'Asia_Kolkata' },
  { first: 'Maria', last: 'da Silva Santos', country: 'BR', city: 'São Paulo', timeZone: 'America_Sao_Paulo' },
  { first: 'Emily', last: 'Smith', country: 'AU', city: 'Sydney', timeZone: 'Australia_Sydney' },
  { first: 'Liam', last: 'Johnson', country: 'CA', city: 'Montréal', timeZone: 'America_Toronto' },
  { first: 'Chloé', last: 'Dubois-Lambert', country: 'BE', city: 'Liège', timeZone: 'Europe_Brussels' },
  { first: 'Sean', last: 'Smith', country: 'US', city: 'Boston', timeZone: 'America_New_York' }
]

const domains = ['example.com', 'mail.example.org', 'contoso.com', 'fabrikam.net', 'gmail.example', 'exämple.de']
/** Exactly at the column limits (firstName 30, lastName 50): syncing them back out may overflow. */
const longFirst = 'Maximiliana-Alexandrina Sophia'
const longLast = 'Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh'

/** Strips accents for email local parts, the way people type them. */
function asciiOf(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/[ıİ]/g, 'i')
    .replace(/[^A-Za-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '')
    .toLowerCase()
}

export interface SeededProfile {
  values: Record<string, unknown>
}

const anchor = Date.UTC(2025, 0, 1)
const day = 86_400_000

/** An email, or the index of an earlier profile whose email this one duplicates. */
function emailFor(index: number, person: Person, random: Random): string | { duplicateOf: number } {
  const local = person.latin ?? `${asciiOf(person.first)}.${asciiOf(person.last)}`
  const roll = random()
  if (roll < 0.06) return ''
  if (roll < 0.1) return pick(random, [`${local}@`, `${local}(at)example.com`, `${local}@example`, `${local} @example.com`])
  if (roll < 0.15 && index > 0) return { duplicateOf: Math.floor(random() * index) }
  const email = `${local}${index}@${pick(random, domains)}`
  // Mixed case: byEmail is case-sensitive, so a connector must not assume lower-case addresses.
  return roll < 0.2 ? email.replace(/^./, (c) => c.toUpperCase()).replace(/@(.*)$/, (_, d: string) => `@${d.toUpperCase()}`) : email
}

export function seededProfile(
  seed: number,
  index: number,
  optOutPrefix: string,
  dynamicsKeyField: string,
  linkedContactId?: (index: number) => string | undefined
): SeededProfile {
  const random = rowRandom(seed, 'campaign.profile', index)
  const person = people[Math.floor(random() * people.length)]
  const created = anchor - intBetween(random, 30, 730) * day - intBetween(random, 0, day - 1)
  const lastModified = Math.min(anchor, created + intBetween(random, 0, 120) * day)
  const stampAt = (ms: number) => formatTimestamp(new Date(ms))
  const atLimit = chance(random, 0.04)
  const values: Record<string, unknown> = {
    firstName: atLimit ? longFirst : person.first,
    lastName: atLimit ? longLast.slice(0, 50) : person.last,
    middleName: chance(random, 0.1) ? pick(random, ['Anne', 'Marie', 'J.', 'Ōta']) : '',
    email: '',
    emailFormat: pick(random, ['unknown', 'html', 'html', 'text']),
    gender: pick(random, ['unknown', 'male', 'female', 'female', 'male']),
    birthDate: chance(random, 0.3)
      ? ''
      : formatDate(new Date(Date.UTC(intBetween(random, 1940, 2006), intBetween(random, 0, 11), intBetween(random, 1, 28)))),
    phone: chance(random, 0.4)
      ? ''
      : pick(random, ['+1 312 555 0100', '+33 1 23 45 67 89', '(555) 010-4477', '030 1234567', '+44 20 7946 0958']),
    mobilePhone: chance(random, 0.5) ? '' : `+1555${String(intBetween(random, 1000000, 9999999))}`,
    fax: '',
    salutation: pick(random, ['', '', 'Mr.', 'Ms.', 'Dr.', 'Mx.']),
    preferredLanguage: pick(random, ['none', 'none', 'en_US', 'fr_FR', 'de_DE']),
    timeZone: chance(random, 0.5) ? person.timeZone : '',
    location: {
      address1: chance(random, 0.5) ? `${intBetween(random, 1, 999)} Main Street` : '',
      city: person.city,
      countryCode: person.country
    },
    externalId: '',
    isExternal: false,
    created: stampAt(created),
    lastModified: stampAt(lastModified)
  }
  const email = emailFor(index, person, random)
  values.email = typeof email === 'string' ? email : seededProfile(seed, email.duplicateOf, optOutPrefix, dynamicsKeyField).values.email
  // Profiles adopted by an earlier integration carry the Dynamics contact id already: the
  // id of the sandbox's contact with the same index when there is one (so their marketing
  // history lands on a real contact's timeline), else a made-up one. The made-up GUID is
  // drawn either way so every later value of the profile stays the same.
  if (chance(random, 0.3)) {
    const madeUp = seededGuid(random)
    const guid = linkedContactId?.(index) ?? madeUp
    values[dynamicsKeyField] = guid
    values.externalId = guid
    values.isExternal = true
  }
  const optOuts: [string, number][] = [
    [optOutPrefix, 0.03],
    [`${optOutPrefix}Email`, 0.12],
    [`${optOutPrefix}Mobile`, 0.05],
    [`${optOutPrefix}PostalMail`, 0.04],
    ['ccpaOptOut', 0.04]
  ]
  for (const [field, probability] of optOuts) {
    if (!chance(random, probability)) continue
    const at = stampAt(created + intBetween(random, 0, Math.max(0, Math.floor((lastModified - created) / day))) * day)
    values[field] = true
    values[`${field}LastModified`] = at
    if (field === optOutPrefix) values[`${optOutPrefix}AllLastModified`] = at
  }
  return { values }
}

export const seededServices = [
  { name: 'SVC1', label: 'Sport Newsletter', messageType: 'email', mode: 'newsletter', start: '2023-01-01' },
  { name: 'SVC2', label: 'Weekly deals', messageType: 'email', mode: 'newsletter', start: '2023-06-01' },
  { name: 'SVC3', label: 'SMS alerts', messageType: 'sms', mode: 'newsletter', start: '2024-01-15' }
]

/** Fills a fresh store: services, profiles, their subscriptions. Derived fields are left to the model. */
export function seedStore(
  store: CampaignStore,
  settings: CampaignSettings,
  finish: (resource: string, values: Record<string, unknown>) => void
): void {
  const created = formatTimestamp(new Date(anchor - 800 * day))
  const serviceIds = seededServices.map((service) => {
    const values: Record<string, unknown> = { ...service, builtIn: false, created, lastModified: created }
    finish('service', values)
    return store.insert('service', values).id
  })
  for (let index = 0; index < settings.profiles; index++) {
    const { values } = seededProfile(settings.seed, index, settings.optOutNaming, settings.dynamicsKeyField, settings.linkedContactId)
    finish('profile', values)
    const profile = store.insert('profile', values)
    const random = rowRandom(settings.seed, 'campaign.subscription', index)
    serviceIds.forEach((serviceId, i) => {
      if (chance(random, [0.4, 0.25, 0.1][i])) {
        store.insert('subscription', { profile: profile.id, service: serviceId, created: values.created, expirationDate: '' })
      }
    })
  }
}
