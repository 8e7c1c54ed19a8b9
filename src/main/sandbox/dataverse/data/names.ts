import { chance, intBetween, pick, type Random } from '../../common/random'

/**
 * Demo data pools. Deliberately mixed: plain ASCII, accents, apostrophes and hyphens,
 * and non-Latin scripts, because that is what breaks mappings and e-mail builders.
 */
export const firstNames = [
  'Anna',
  'John',
  'Maria',
  'David',
  'Sarah',
  'Michael',
  'Laura',
  'James',
  'Emma',
  'Daniel',
  'José',
  'François',
  'Zoë',
  'Ørjan',
  'Łukasz',
  'Søren',
  'Chloé',
  'Renée',
  'Begoña',
  'Ñuria',
  'Siobhán',
  'Björn',
  'Ines',
  'Noah',
  'Olivia',
  'Liam',
  'Mia',
  'Lucas',
  'Amélie',
  'Jürgen',
  '王伟',
  '李娜',
  'Дмитрий',
  'Ольга',
  'Ελένη',
  'محمد',
  'さくら',
  '김민준',
  'Priyā',
  'Thành'
] as const

export const lastNames = [
  'Smith',
  'Johnson',
  'Brown',
  'Miller',
  'Davis',
  'Wilson',
  'Taylor',
  'Anderson',
  'Thomas',
  'Moore',
  "O'Brien",
  'Müller',
  'García',
  'Núñez',
  'Dubois',
  'Lefèvre',
  'Kowalski',
  'Søndergaard',
  'Ødegård',
  'Smith-Jones',
  'van der Berg',
  'de la Cruz',
  'Rossi',
  'Nakamura',
  'Nguyễn',
  'Öztürk',
  '张',
  '佐藤',
  'Иванов',
  'Παπαδόπουλος',
  'العلي',
  '김'
] as const

export const cities: ReadonlyArray<[string, string, string]> = [
  ['Seattle', 'WA', 'United States'],
  ['Redmond', 'WA', 'United States'],
  ['New York', 'NY', 'United States'],
  ['Paris', 'Île-de-France', 'France'],
  ['Lyon', 'Auvergne-Rhône-Alpes', 'France'],
  ['München', 'Bayern', 'Germany'],
  ['Zürich', 'ZH', 'Switzerland'],
  ['São Paulo', 'SP', 'Brazil'],
  ['Kraków', 'Małopolskie', 'Poland'],
  ['København', 'Hovedstaden', 'Denmark'],
  ['東京', '東京都', 'Japan'],
  ['Москва', 'Москва', 'Russia'],
  ['London', 'England', 'United Kingdom'],
  ['Dublin', 'Leinster', 'Ireland']
]

export const streets = ['Main St', 'Rue de Rivoli', 'Hauptstraße', 'Calle Mayor', 'High Street', 'Ulica Długa', 'Kongens Gade']
export const domains = ['example.com', 'contoso.com', 'fabrikam.net', 'outlook.example', 'mail.example.org']
export const companyWords = [
  'Contoso',
  'Fabrikam',
  'Litware',
  'Adventure Works',
  'Northwind',
  'Tailspin',
  'Wingtip',
  'Proseware',
  'Fourth Coffee',
  'Alpine Ski House',
  'Coho Winery',
  'Société Générale Démo',
  '株式会社サンプル'
]
export const companySuffix = ['Inc.', 'Ltd', 'GmbH', 'S.A.', 'LLC', 'AG', '']
export const vehicleMakes = ['Volvo', 'Toyota', 'Škoda', 'Citroën', 'BMW', 'Ford', 'Tesla', 'Renault']
export const vehicleModels = ['XC60', 'Corolla', 'Octavia', 'C4', 'i3', 'Focus', 'Model 3', 'Clio']
export const eventNames = ['Spring Launch', 'Customer Summit', 'Webinar: Data 101', 'Salon de l’Auto', 'Hausmesse', 'Roadshow 東京']

/** ASCII-fold a name for the local part of an e-mail address. */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/ł/gi, 'l')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase()
}

/** A plausible e-mail, sometimes missing or malformed the ways real CRM data is. */
export function emailFor(random: Random, first: string, last: string, index: number): string | null {
  const roll = random()
  const local = `${asciiFold(first) || 'user'}.${asciiFold(last) || 'contact'}`
  const domain = pick(random, domains)
  if (roll < 0.07) return null
  if (roll < 0.09) return `${local}@` // malformed: no domain
  if (roll < 0.1) return `${local} at ${domain}` // malformed: no @
  if (roll < 0.12) return `  ${local.toUpperCase()}@${domain.toUpperCase()} ` // needs trim/lower
  if (roll < 0.125) return `${'x'.repeat(100 - 1 - domain.length)}@${domain}` // exactly at MaxLength 100
  if (roll < 0.4) return `${local}@${domain}` // collides across rows with the same name
  return `${local}${index}@${domain}`
}

/** A name exactly at a column's MaxLength, to exercise target-side limits. */
export function atLimit(base: string, maxLength: number): string {
  return (base + ' ' + 'Überlänge'.repeat(20)).slice(0, maxLength)
}

export function phoneNumber(random: Random): string {
  return `+${intBetween(random, 1, 49)} ${intBetween(random, 100, 999)} ${intBetween(random, 100, 999)} ${intBetween(random, 1000, 9999)}`
}

export function maybe<T>(random: Random, probability: number, value: () => T): T | null {
  return chance(random, probability) ? value() : null
}
