CREATE TABLE `call_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` integer NOT NULL,
	`number` integer NOT NULL,
	`status` text NOT NULL,
	`call_sid` text,
	`answered_by` text,
	`started_at` integer,
	`answered_at` integer,
	`ended_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_attempts_order_number_uq` ON `call_attempts` (`order_id`,`number`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`store_id` text NOT NULL,
	`platform_order_id` text NOT NULL,
	`name` text NOT NULL,
	`customer_platform_id` text,
	`customer_name` text,
	`phone` text,
	`phone_country` text,
	`language` text NOT NULL,
	`city` text,
	`items` text NOT NULL,
	`total` text NOT NULL,
	`currency` text NOT NULL,
	`payment_method` text NOT NULL,
	`placed_at` text,
	`status` text NOT NULL,
	`skip_reason` text,
	`outcome` text,
	`evidence` text,
	`next_call_at` integer,
	`redacted_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_store_platform_order_uq` ON `orders` (`store_id`,`platform_order_id`);--> statement-breakpoint
CREATE INDEX `orders_status_next_call_idx` ON `orders` (`status`,`next_call_at`);--> statement-breakpoint
CREATE INDEX `orders_store_customer_idx` ON `orders` (`store_id`,`customer_platform_id`);--> statement-breakpoint
CREATE TABLE `privacy_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`store_id` text,
	`shop_domain` text NOT NULL,
	`topic` text NOT NULL,
	`report` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `privacy_requests_store_idx` ON `privacy_requests` (`store_id`);--> statement-breakpoint
CREATE TABLE `stores` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`domain` text NOT NULL,
	`country` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`credentials` text,
	`webhook_secret` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stores_platform_domain_uq` ON `stores` (`platform`,`domain`);--> statement-breakpoint
CREATE TABLE `transcript_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`attempt_id` text,
	`speaker` text NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`attempt_id`) REFERENCES `call_attempts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `transcript_lines_order_idx` ON `transcript_lines` (`order_id`,`at`);--> statement-breakpoint
CREATE TABLE `webhook_receipts` (
	`platform` text NOT NULL,
	`delivery_id` text NOT NULL,
	`topic` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`platform`, `delivery_id`)
);
--> statement-breakpoint
CREATE INDEX `webhook_receipts_received_idx` ON `webhook_receipts` (`received_at`);