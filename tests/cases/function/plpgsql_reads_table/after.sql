CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE FUNCTION t_count() RETURNS bigint LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (SELECT count(*) FROM public.t); END $$;
