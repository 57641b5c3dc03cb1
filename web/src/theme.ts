import { Anchor, createTheme, Drawer, Modal, NavLink, type CSSVariablesResolver } from '@mantine/core';

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
    // The close button of dialogs is an icon: it needs a name for screen readers.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
  },
});

/**
 * The text colour of the "light" variant (badges, light buttons, alerts' titles) in the light scheme:
 * Mantine's (shade 6 to 8 on a 10 % tint) stays below 4.5:1 for yellow, orange, green and others;
 * these darker tones keep every colour above it.
 */
const LIGHT_VARIANT_TEXT: Record<string, string> = Object.fromEntries(
  Object.entries({
    red: '#9b1c1c',
    pink: '#a61e4d',
    grape: '#862e9c',
    violet: '#5f3dc4',
    indigo: '#364fc7',
    blue: '#1864ab',
    cyan: '#0b6477',
    teal: '#0b6b5c',
    green: '#1e6b2f',
    lime: '#4d6b0f',
    yellow: '#7a5200',
    orange: '#8a3a00',
    gray: '#495057',
  }).map(([c, v]) => [`--mantine-color-${c}-light-color`, v]),
);

/**
 * Mantine's "dimmed" text (gray 6 on white, 3.3:1) is below the 4.5:1 WCAG AA asks of small text
 * (axe-core's color-contrast rule): a shade darker in light, lighter in dark.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)', ...LIGHT_VARIANT_TEXT },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
