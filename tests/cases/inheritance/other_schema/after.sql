CREATE SCHEMA app;
CREATE TABLE app.base (id integer NOT NULL, created timestamptz DEFAULT now());
CREATE TABLE public.log (message text) INHERITS (app.base);
COMMENT ON TABLE public.log IS 'inherits from another schema';
