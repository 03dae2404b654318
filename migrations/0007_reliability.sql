CREATE TABLE `service_holds` (
	`kind` text PRIMARY KEY NOT NULL,
	`code` integer,
	`problem` text NOT NULL,
	`since` integer NOT NULL,
	`next_probe_at` integer NOT NULL,
	`probes` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `stores` ADD `reconciled_at` integer;--> statement-breakpoint
ALTER TABLE `stores` ADD `webhooks_repaired_at` integer;--> statement-breakpoint
ALTER TABLE `stores` ADD `webhooks_repair` text;