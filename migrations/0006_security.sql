ALTER TABLE `install_states` ADD `browser_hash` text;--> statement-breakpoint
ALTER TABLE `install_states` ADD `pending_keys` text;--> statement-breakpoint
ALTER TABLE `install_states` ADD `store_id` text;--> statement-breakpoint
ALTER TABLE `install_states` ADD `failure` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `wait_reason` text;--> statement-breakpoint
ALTER TABLE `stores` ADD `approved_at` integer;--> statement-breakpoint
ALTER TABLE `stores` ADD `daily_call_limit` integer;--> statement-breakpoint
ALTER TABLE `stores` ADD `link_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX `call_attempts_created_idx` ON `call_attempts` (`created_at`);--> statement-breakpoint
CREATE INDEX `transcript_lines_at_idx` ON `transcript_lines` (`at`);--> statement-breakpoint
-- Stores connected before approvals existed were already placing calls: they stay approved.
UPDATE `stores` SET `approved_at` = `created_at`;
