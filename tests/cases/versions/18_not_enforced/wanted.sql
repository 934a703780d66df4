CREATE TABLE public.accounts (id integer PRIMARY KEY);
CREATE TABLE public.ledger (
  id integer PRIMARY KEY,
  account_id integer,
  amount numeric,
  CONSTRAINT ledger_amount_check CHECK (amount > 0) NOT ENFORCED,
  CONSTRAINT ledger_account_fkey FOREIGN KEY (account_id) REFERENCES public.accounts (id) NOT ENFORCED
);
ALTER TABLE public.ledger ADD CONSTRAINT ledger_small CHECK (amount < 1000000) NOT VALID;
