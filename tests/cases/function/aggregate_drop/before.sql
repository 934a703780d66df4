CREATE FUNCTION sum_sq_acc(acc bigint, x integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT acc + x * x $$;
CREATE AGGREGATE sum_sq(integer) (SFUNC = sum_sq_acc, STYPE = bigint, INITCOND = '0');
