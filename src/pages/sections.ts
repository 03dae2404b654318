/** The dashboard's sections (href, label key); Stores is the operator's alone. */
export const SECTIONS: ReadonlyArray<readonly [href: string, label: string, operatorOnly?: true]> = [
  ['/', 'frame.overview'],
  ['/orders', 'frame.calls'],
  ['/review', 'frame.review'],
  ['/stores', 'frame.stores', true],
]

/** A merchant's sections in their Shopify admin's sidebar: the dashboard's, and their settings (no bar of ours holds its link there). */
export const ADMIN_SECTIONS: ReadonlyArray<readonly [href: string, label: string]> = [
  ...SECTIONS.filter(([, , operatorOnly]) => !operatorOnly).map(([href, label]) => [href, label] as const),
  ['/your-settings', 'frame.settings'],
]
