CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
CREATE MATERIALIZED VIEW public.order_totals AS SELECT id, total FROM public.orders;
GRANT SELECT (id) ON public.order_totals TO acc_reader;
