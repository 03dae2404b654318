CREATE TABLE `call_recordings` (
	`attempt_id` text PRIMARY KEY NOT NULL,
	`recording_sid` text,
	`status` text NOT NULL,
	`duration_seconds` integer,
	`channels` integer,
	`delete_at` integer,
	`delete_tries` integer DEFAULT 0 NOT NULL,
	`delete_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`attempt_id`) REFERENCES `call_attempts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `call_recordings_sid_uq` ON `call_recordings` (`recording_sid`);--> statement-breakpoint
CREATE INDEX `call_recordings_delete_idx` ON `call_recordings` (`delete_at`);--> statement-breakpoint
CREATE INDEX `call_recordings_created_idx` ON `call_recordings` (`created_at`);