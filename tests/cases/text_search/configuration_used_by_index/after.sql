CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english);
CREATE TABLE docs (id integer PRIMARY KEY, body text);
CREATE INDEX docs_fts ON docs USING gin (to_tsvector('public.my_english', body));
