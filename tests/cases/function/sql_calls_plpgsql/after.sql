CREATE TABLE t (id integer PRIMARY KEY);
CREATE FUNCTION dyn() RETURNS bigint LANGUAGE plpgsql AS $$ DECLARE n bigint; BEGIN EXECUTE 'SELECT count(*) FROM public.t' INTO n; RETURN n; END $$;
CREATE FUNCTION wraps() RETURNS bigint LANGUAGE sql AS $$ SELECT public.dyn() $$;
