SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
CREATE PUBLICATION supabase_realtime FOR TABLE public.t;
