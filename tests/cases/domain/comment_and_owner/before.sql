CREATE DOMAIN posint AS integer;
