SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER TABLE public.t REPLICA IDENTITY DEFAULT;
DROP INDEX CONCURRENTLY IF EXISTS public.t_a_key;
