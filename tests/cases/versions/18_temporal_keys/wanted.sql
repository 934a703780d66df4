CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE public.rooms (
  id integer,
  valid_at daterange,
  CONSTRAINT rooms_pkey PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)
);
CREATE TABLE public.bookings (
  id integer PRIMARY KEY,
  room_id integer,
  during daterange,
  guest text,
  CONSTRAINT bookings_guest_key UNIQUE (guest, during WITHOUT OVERLAPS),
  CONSTRAINT bookings_room_fkey FOREIGN KEY (room_id, PERIOD during) REFERENCES public.rooms (id, PERIOD valid_at)
);
