CREATE TABLE `do_not_contact` (
	`phone` text PRIMARY KEY NOT NULL,
	`word` text NOT NULL,
	`channel` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY NOT NULL,
	`order_id` integer NOT NULL,
	`direction` text NOT NULL,
	`channel` text NOT NULL,
	`purpose` text NOT NULL,
	`sid` text,
	`status` text NOT NULL,
	`error_code` integer,
	`refusal` text,
	`cost_usd` real,
	`body` text NOT NULL,
	`send_at` integer,
	`tries` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_sid_uq` ON `messages` (`sid`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_ask_uq` ON `messages` (`order_id`,`channel`) WHERE "messages"."purpose" = 'ask';--> statement-breakpoint
CREATE INDEX `messages_order_idx` ON `messages` (`order_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_status_due_idx` ON `messages` (`status`,`send_at`);