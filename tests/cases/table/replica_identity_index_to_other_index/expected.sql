CREATE UNIQUE INDEX CONCURRENTLY t_b_key ON public.t (b);
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE public.t REPLICA IDENTITY USING INDEX t_b_key;
DROP INDEX CONCURRENTLY IF EXISTS public.t_a_key;
