ALTER TABLE `call_attempts` ADD `stream_state` text;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `end_reason` text;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `usage` text;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `cost_usd` real;--> statement-breakpoint
ALTER TABLE `call_attempts` ADD `greeting_ms` integer;