CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
