/** The SQL dialects Ferry runs on. */
export type DialectName = 'sqlite' | 'postgres';
