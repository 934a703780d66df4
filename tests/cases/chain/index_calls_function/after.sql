CREATE FUNCTION norm(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(trim(s)) $$;
CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE INDEX t_norm_a ON t (public.norm(a));
INSERT INTO t VALUES (1, 'A');
