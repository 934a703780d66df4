SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
ALTER INDEX public.t_lower_a ALTER COLUMN 1 SET STATISTICS 700;
