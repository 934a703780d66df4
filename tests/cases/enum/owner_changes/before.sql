CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok');
ALTER TYPE app.mood OWNER TO acc_owner;
CREATE DOMAIN app.pos AS integer CHECK (VALUE > 0);
