CREATE TABLE public.docs (id integer PRIMARY KEY, owner text);
CREATE VIEW public.my_docs WITH (security_invoker = true) AS SELECT id FROM public.docs;
