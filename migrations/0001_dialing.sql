ALTER TABLE `call_attempts` ADD `stream_token_hash` text;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `last_sequence` integer;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `duration_seconds` integer;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `error` text;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `updated_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `call_attempts_call_sid_uq` ON `call_attempts` (`call_sid`);--> statement-breakpoint
ALTER TABLE `orders` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `lease_expires_at` integer;--> statement-breakpoint
CREATE INDEX `orders_status_lease_idx` ON `orders` (`status`,`lease_expires_at`);--> statement-breakpoint
CREATE INDEX `orders_phone_idx` ON `orders` (`phone`);