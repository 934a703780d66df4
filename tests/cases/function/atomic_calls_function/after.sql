CREATE FUNCTION z_inner(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x * 2;
CREATE FUNCTION a_outer(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN z_inner(x) + 1;
