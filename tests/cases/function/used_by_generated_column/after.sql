CREATE SCHEMA util;
CREATE FUNCTION util.slug(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(regexp_replace(s, '[^a-z0-9]+', '-', 'gi')) $$;
CREATE TABLE public.posts (id integer PRIMARY KEY, title text, slug text GENERATED ALWAYS AS (util.slug(title)) STORED);
