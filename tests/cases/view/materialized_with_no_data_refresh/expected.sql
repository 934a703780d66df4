SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
REFRESH MATERIALIZED VIEW public.mv;
