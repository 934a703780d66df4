SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER PUBLICATION pub DROP TABLE public.t;
ALTER PUBLICATION pub ADD TABLE public.t (id, a, n) WHERE ((n > 0) AND (a = ANY (ARRAY['x'::text, 'y'::text])));
