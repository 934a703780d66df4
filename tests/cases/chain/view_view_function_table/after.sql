CREATE TABLE accounts (id integer PRIMARY KEY, balance numeric NOT NULL DEFAULT 0);
CREATE FUNCTION total_balance() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(balance), 0) FROM public.accounts $$;
CREATE VIEW summary AS SELECT public.total_balance() AS total;
CREATE VIEW summary2 AS SELECT total * 2 AS double_total FROM public.summary;
