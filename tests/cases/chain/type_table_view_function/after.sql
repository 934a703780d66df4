CREATE TYPE status AS ENUM ('draft', 'live');
CREATE TABLE posts (id integer PRIMARY KEY, s status NOT NULL DEFAULT 'draft');
CREATE VIEW live_posts AS SELECT id FROM posts WHERE s = 'live';
CREATE FUNCTION live_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.live_posts $$;
