CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY NOT NULL,
	`store_id` text NOT NULL,
	`kind` text NOT NULL,
	`order_id` integer,
	`day` text,
	`status` text NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`sent_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_order_uq` ON `alerts` (`kind`,`order_id`) WHERE "alerts"."order_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_digest_uq` ON `alerts` (`store_id`,`day`) WHERE "alerts"."day" is not null;--> statement-breakpoint
CREATE INDEX `alerts_status_due_idx` ON `alerts` (`status`,`next_attempt_at`);