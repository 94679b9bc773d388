-- Reference data: loaded from data/ by the application, never edited by forms.
CREATE TABLE themes (
    code TEXT PRIMARY KEY NOT NULL,
    parent_code TEXT REFERENCES themes (code),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    cmm_factors TEXT NOT NULL,
    position INTEGER NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('region', 'subregion', 'intermediate')),
    parent_code TEXT REFERENCES regions (code)
);

CREATE TABLE countries (
    iso3 TEXT PRIMARY KEY NOT NULL,
    iso2 TEXT NOT NULL,
    m49 TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_es TEXT NOT NULL,
    independent BOOLEAN NOT NULL,
    region_code TEXT REFERENCES regions (code),
    subregion_code TEXT REFERENCES regions (code),
    intermediate_code TEXT REFERENCES regions (code),
    income_level TEXT,
    latitude DOUBLE,
    longitude DOUBLE
);

CREATE TABLE country_groups (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    as_of DATE NOT NULL
);

CREATE TABLE country_group_members (
    group_code TEXT NOT NULL REFERENCES country_groups (code),
    iso3 TEXT NOT NULL REFERENCES countries (iso3),
    PRIMARY KEY (group_code, iso3)
);

CREATE TABLE languages (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE reference_meta (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- The directory.
CREATE TABLE providers (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    hq_country TEXT REFERENCES countries (iso3),
    website TEXT,
    email TEXT,
    description TEXT NOT NULL,
    -- Lower-cased by the application (Unicode rules): what text search
    -- reads, as SQLite's lower() folds ASCII only.
    search_name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE offerings (
    id INTEGER PRIMARY KEY NOT NULL,
    key TEXT NOT NULL UNIQUE,
    provider_id BIGINT NOT NULL REFERENCES providers (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    coverage_global BOOLEAN NOT NULL,
    capacity INTEGER,
    starts_on DATE,
    ends_on DATE,
    status TEXT NOT NULL,
    search_text TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX offerings_by_provider ON offerings (provider_id);

-- The multi-valued attributes of an offering (themes, coverage, eligibility,
-- modalities, languages) as one faceted table: every catalogue filter is the
-- same "offering has facet F with code in (...)" lookup.
CREATE TABLE offering_facets (
    offering_id BIGINT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    facet TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (offering_id, facet, code)
);
CREATE INDEX offering_facets_by_code ON offering_facets (facet, code, offering_id);
