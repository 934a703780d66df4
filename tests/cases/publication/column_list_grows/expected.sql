SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE public.t ADD COLUMN b text;
ALTER PUBLICATION pub DROP TABLE public.t;
ALTER PUBLICATION pub ADD TABLE public.t (id, b);
