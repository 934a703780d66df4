CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  y integer := 0;
BEGIN
  -- a comment; with a semicolon
  FOR i IN 1..x LOOP y := y + i; END LOOP;
  RETURN y;
END
$$;
