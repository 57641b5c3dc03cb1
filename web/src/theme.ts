import { Anchor, createTheme, NavLink, type CSSVariablesResolver } from '@mantine/core';

/** Colours chosen for contrast (WCAG AA) in light and dark schemes. */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 8, dark: 4 },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  defaultRadius: 'sm',
  components: {
    // Links are underlined: colour alone does not tell a link in a sentence from its text (WCAG 1.4.1).
    Anchor: Anchor.extend({ defaultProps: { underline: 'always' } }),
    // The current page's entry: white on the primary colour (the light variant's tint is below 4.5:1).
    NavLink: NavLink.extend({ defaultProps: { variant: 'filled' } }),
  },
});

/**
 * Mantine's "dimmed" text (gray 6 on white, 3.3:1) is below the 4.5:1 WCAG AA asks of small text
 * (axe-core's color-contrast rule): a shade darker in light, lighter in dark.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
