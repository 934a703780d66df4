CREATE FUNCTION next_code() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE TABLE t (id integer PRIMARY KEY, code text DEFAULT public.next_code());
