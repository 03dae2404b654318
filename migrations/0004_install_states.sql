CREATE TABLE `install_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`domain` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
