CREATE TABLE public.codes (
  id integer PRIMARY KEY,
  code text,
  region text,
  CONSTRAINT codes_code_key UNIQUE NULLS NOT DISTINCT (code)
);
CREATE UNIQUE INDEX codes_region_idx ON public.codes (region) NULLS NOT DISTINCT;
