CREATE TABLE public.people (id int PRIMARY KEY, name text, salary numeric);
CREATE VIEW public.people_v AS SELECT id, name, salary FROM public.people;
GRANT SELECT (id, name) ON public.people_v TO acc_reader;
GRANT UPDATE (name) ON public.people_v TO acc_writer WITH GRANT OPTION;
COMMENT ON COLUMN public.people_v.name IS 'shown';
