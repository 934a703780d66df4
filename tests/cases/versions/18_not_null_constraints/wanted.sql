CREATE TABLE public.people (
  id integer PRIMARY KEY,
  email text CONSTRAINT people_email_required NOT NULL,
  handle text NOT NULL NO INHERIT,
  nick text,
  renamed_col text NOT NULL
);
ALTER TABLE public.people ADD CONSTRAINT people_nick_nn NOT NULL nick NOT VALID;
ALTER TABLE public.people RENAME COLUMN renamed_col TO display;
CREATE TABLE public.events (
  at date NOT NULL,
  kind text CONSTRAINT events_kind_nn NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE public.events_2020 PARTITION OF public.events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE public.events_2021 (at date NOT NULL, kind text NOT NULL);
ALTER TABLE public.events ATTACH PARTITION public.events_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE TABLE public.events_2022 PARTITION OF public.events (kind CONSTRAINT events_2022_kind_own NOT NULL)
  FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
