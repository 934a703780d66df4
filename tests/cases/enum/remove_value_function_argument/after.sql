CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE FUNCTION cheer(m mood) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT m::text || '!' $$;
