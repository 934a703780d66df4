CREATE TABLE t (id integer PRIMARY KEY, rank bigint);
INSERT INTO t VALUES (1);
CREATE FUNCTION next_rank() RETURNS bigint LANGUAGE sql AS $$ SELECT coalesce(max(rank), 0) + 1 FROM public.t $$;
ALTER TABLE t ALTER COLUMN rank SET DEFAULT public.next_rank();
