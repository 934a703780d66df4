CREATE TABLE items (id integer PRIMARY KEY, name text);
CREATE FUNCTION count_items() RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT count(*) FROM public.items $$;
