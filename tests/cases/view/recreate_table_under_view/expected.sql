SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '15min';
DROP VIEW IF EXISTS public.v;
DROP TABLE IF EXISTS public.t;
CREATE TABLE public.t (
    id integer NOT NULL,
    a text,
    PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE VIEW public.v AS
SELECT t.id,
    t.a
   FROM public.t;
