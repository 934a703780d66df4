CREATE SCHEMA feed;
CREATE TABLE public.orders (id integer PRIMARY KEY, status text, note text);
CREATE TABLE feed.events (id integer PRIMARY KEY);
CREATE PUBLICATION orders_feed FOR TABLE public.orders (id, status) WHERE (status <> 'draft');
CREATE PUBLICATION events_feed FOR TABLES IN SCHEMA feed;
