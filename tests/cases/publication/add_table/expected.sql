SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER PUBLICATION pub ADD TABLE public.u;
