SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER PUBLICATION pub DROP TABLE public.t;
DROP TABLE IF EXISTS public.t;
