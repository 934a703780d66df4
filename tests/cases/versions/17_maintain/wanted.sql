DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ver_ops') THEN CREATE ROLE ver_ops; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ver_app') THEN CREATE ROLE ver_app; END IF;
END $$;
CREATE TABLE public.jobs (id integer PRIMARY KEY);
GRANT MAINTAIN ON public.jobs TO ver_ops;
GRANT ALL ON public.jobs TO ver_app;
