CREATE SCHEMA search;
CREATE EXTENSION unaccent;
CREATE TEXT SEARCH CONFIGURATION search."Simple Plain" (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION search."Simple Plain"
    ALTER MAPPING FOR word, numword, hword, numhword, hword_part, hword_numpart WITH unaccent, simple;
CREATE TABLE search.docs (id integer PRIMARY KEY, body text);
CREATE INDEX docs_body ON search.docs USING gin (to_tsvector('search."Simple Plain"', body));
