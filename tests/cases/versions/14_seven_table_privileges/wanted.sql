DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ver_app') THEN CREATE ROLE ver_app; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ver_ro') THEN CREATE ROLE ver_ro; END IF;
END $$;
CREATE TABLE public.items (id integer PRIMARY KEY);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON public.items TO ver_app;
GRANT SELECT ON public.items TO ver_ro WITH GRANT OPTION;
GRANT INSERT ON public.items TO ver_ro;
